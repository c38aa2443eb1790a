from .room import ShowConsumer

__all__ = ["ShowConsumer"]
