"""Demo state of a live room's polls, questions and pinned product, made through the real services
(shows/demo_data.py calls it for the demo live show)."""

from django.utils import timezone

from tokshop.users.models import User

from .models import Poll, Question, Show
from .services.pins import product_pin
from .services.polls import poll_close, poll_open, poll_vote
from .services.questions import question_answer, question_ask, question_upvote

DEMO_POLL = ("Which camera should we open next?", ["The Canon AE-1", "The Olympus Trip", "The Polaroid SX-70"])
DEMO_QUESTIONS = [
    "Does the Canon come with its original lens cap?",
    "Can you show the flash working on the Olympus Trip?",
    "Do you ship to Canada?",
]


def ensure_room_interactions(*, show: Show, viewers: list[User]) -> None:
    """Pin the show's first lineup item, leave a closed poll with votes and a few upvoted questions
    (the first one answered); nothing is added twice."""
    seller = show.seller
    first = show.lineup.order_by("position", "id").first()
    if first is not None and show.pinned_item_id is None:
        product_pin(actor=seller, show_id=show.pk, item_id=first.pk)
    if not Poll.objects.filter(show=show).exists():
        question, options = DEMO_POLL
        poll = poll_open(actor=seller, show_id=show.pk, question=question, options=options, seconds=600)
        answers = list(poll.options.all())
        for n, viewer in enumerate(viewers):
            option = answers[n % len(answers)]
            poll_vote(user=viewer, show_id=show.pk, poll_id=poll.pk, option_id=option.pk, received_at=timezone.now())
        poll_close(actor=seller, show_id=show.pk, poll_id=poll.pk)
    if not Question.objects.filter(show=show).exists() and viewers:
        asked = [
            question_ask(user=viewers[n % len(viewers)], show_id=show.pk, text=text).question
            for n, text in enumerate(DEMO_QUESTIONS)
        ]
        # The earlier a question, the more upvotes: the list shows an order, not a tie.
        for n, made in enumerate(asked):
            if made is None:
                continue
            for viewer in [v for v in viewers if v.pk != made.author_id][: len(viewers) - n]:
                question_upvote(user=viewer, show_id=show.pk, question_id=made.pk)
        if asked[0] is not None:
            question_answer(actor=seller, show_id=show.pk, question_id=asked[0].pk)
