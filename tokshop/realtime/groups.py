"""The one place names of realtime groups and streams are built."""


def show_group(show_id: int) -> str:
    return f"show.{show_id}"


def show_staff_group(show_id: int) -> str:
    return f"show.{show_id}.staff"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def product_group(product_id: int) -> str:
    return f"product.{product_id}"
