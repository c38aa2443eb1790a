"""WebSocket close codes Tokshop uses; docs/protocol.md lists them for client authors."""

UNAUTHENTICATED = 4001  # no session and no valid ticket, or the ticket expired or was used before
FORBIDDEN_ORIGIN = 4003  # the Origin header is missing or not one of this site's hosts
NOT_FOUND = 4004  # the thing the socket is about does not exist or is not visible to the user
NOT_ALLOWED = 4006  # visible but not yours to enter; the reason names why (followers_only, not_invited, banned)
FLOODING = 4008  # the client kept sending faster than its rate after being warned
ROOM_FULL = 4009  # the show has as many viewers as its host allows
SESSION_ENDED = 4010  # the user's credentials changed (password changed, account deactivated)
MESSAGE_TOO_BIG = 1009  # a frame larger than the maximum frame size
