"""Domain signals moderation sends after commit, for the apps above it (shows) to act on."""

from django.dispatch import Signal

# A moderator released a held chat message or question: the live room stores and shows it now.
# kwargs: held_message (moderation.models.HeldMessage).
held_message_released = Signal()

# A moderator took reported content down. Kinds registered without a `delete` (see reportables.py)
# are deleted by their own app here. kwargs: kind (str), object_id (int), actor (User), reason (str).
content_removed = Signal()

# A warning, mute or ban was stored (by a moderator, an appeal's outcome, or Tokshop itself).
# Sent after commit from sanction_create, the one place every sanction is made; the live room
# acts at once on a ban (shows removes the person from the show's video). kwargs: sanction
# (moderation.models.Sanction).
sanction_imposed = Signal()
