"""The Celery application; settings come from Django's (CELERY_*), every periodic job from one schedule."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tokshop.settings.local")

app = Celery("tokshop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The one schedule of periodic jobs. django-celery-beat's database scheduler loads it at start, so
# operators can see and pause each job in the admin.
app.conf.beat_schedule = {
    # Expired device tokens are useless; a daily sweep keeps the table to live devices.
    "users.api_tokens_purge": {
        "task": "users.api_tokens_purge",
        "schedule": crontab(hour=3, minute=17),
    },
    # A checkout holds stock for 15 minutes; sweeping every minute returns an abandoned hold to
    # the shelf at most a minute late, and an idle sweep is one indexed query.
    # An address links accounts for 30 days only (IP_LINK_WINDOW): older ones are deleted daily.
    "users.account_signals_purge": {
        "task": "users.account_signals_purge",
        "schedule": crontab(hour=3, minute=27),
    },
    "commerce.reservations_expire": {
        "task": "commerce.reservations_expire",
        "schedule": crontab(),
    },
    # An import whose task message was lost (a broker restart) or whose worker died waits for
    # nobody; every five minutes matches the staleness the sweep looks for (IMPORT_STALE_AFTER).
    "commerce.product_imports_resend": {
        "task": "commerce.product_imports_resend",
        "schedule": crontab(minute="*/5"),
    },
    # Stripe webhook events whose processing failed (Stripe or the database briefly unreachable)
    # are replayed every minute; each is processed exactly once, however often it is replayed.
    "commerce.webhook_events_replay": {
        "task": "commerce.webhook_events_replay",
        "schedule": crontab(),
    },
    # The check itself stops refusing a mute or ban at its expiry; the sweep tells the person it
    # ended and drops their cached sanctions, so a minute keeps the notice close to the moment.
    "moderation.sanctions_expire": {
        "task": "moderation.sanctions_expire",
        "schedule": crontab(),
    },
    # The message check sends the recording task when it queues abuse into an empty queue; if that
    # task is lost (a broker restart), this records what waits within a minute.
    "moderation.abuse_warnings_record": {
        "task": "moderation.abuse_warnings_record",
        "schedule": crontab(),
    },
    # LiveKit's webhooks are best effort (dropped after 30 s in its queue): every minute the show
    # rooms and their participants are read back from the room service, so a lost "room finished"
    # leaves a show live for a minute at most and a banned viewer who slipped back in is removed.
    "shows.video_rooms_reconcile": {
        "task": "shows.video_rooms_reconcile",
        "schedule": crontab(),
    },
    # Polls and flash sales end by a task due at their end; if that task is lost (a broker
    # restart), the sweep ends them. Votes and purchases past the end are refused by the clock
    # meanwhile, so every 15 seconds only bounds how late the room hears of the end.
    "shows.polls_close_due": {
        "task": "shows.polls_close_due",
        "schedule": 15.0,
    },
    "shows.flash_sales_end_due": {
        "task": "shows.flash_sales_end_due",
        "schedule": 15.0,
    },
    # An auction closes by the task due at its end; if that task is lost (a broker restart) the
    # sweep closes it. Bids past the end are refused by the engine's clock meanwhile, so every five
    # seconds bounds only how late a lost close is announced and settled.
    "auctions.auctions_close_overdue": {
        "task": "auctions.auctions_close_overdue",
        "schedule": 5.0,
    },
    # A giveaway is drawn by a task due at its end; if that task is lost (a broker restart), the
    # sweep draws it. Entries past the end are refused by the clock meanwhile, so every 15 seconds
    # only bounds how long the room waits for its winner.
    "auctions.giveaways_draw_due": {
        "task": "auctions.giveaways_draw_due",
        "schedule": 15.0,
    },
    # A show's figures are kept while its host's console is open; this keeps them for a show whose
    # console is closed too, so a crash loses at most a minute of them.
    "shows.stats_save_on_air": {
        "task": "shows.stats_save_on_air",
        "schedule": crontab(),
    },
    # Recurring shows become shows two weeks ahead; hourly keeps the horizon full to the hour (and
    # picks up a schedule whose first expansion was lost) while each run is a few indexed queries.
    "shows.schedules_expand": {
        "task": "shows.schedules_expand",
        "schedule": crontab(minute=7),
    },
    # Auction settlement: a winner asked to pay, and a runner-up offered a second chance, each have
    # a window measured in minutes; a minute's sweep moves a lapsed lot on to the next bidder at most
    # a minute late, and picks up a settlement or charge whose task was lost. Idle, it is three
    # indexed queries.
    "auctions.settlements_sweep": {
        "task": "auctions.settlements_sweep",
        "schedule": crontab(),
    },
}
