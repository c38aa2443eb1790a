"""Domain signals the shows app sends after commit, for the apps above it (auctions, referrals,
analytics) to act on."""

from django.dispatch import Signal

# A show went on air (first time or restarted). kwargs: show (shows.models.Show).
show_went_live = Signal()

# A show ended (by its host, a moderator, or the reconcile job finding its room gone). kwargs: show.
show_ended = Signal()

# A show's status changed (live, paused, back on air, ended…), sent after commit. kwargs: show.
show_status_changed = Signal()
# A seller scheduled a show (one of their own, not one made by a recurring schedule). kwargs: show.
show_scheduled = Signal()

# A seller set up a recurring schedule. kwargs: schedule (shows.models.ShowSchedule).
schedule_created = Signal()
