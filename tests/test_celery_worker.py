"""A real Celery worker process against the test database and Redis broker."""

import socket
import time
import uuid

import pytest

from analytics.services import health_report
from tests.processes import BIN, process_environment, running
from tokshop.celery import app as celery_app
from tokshop.notifications.models import Notification, NotificationKind
from tokshop.notifications.tasks import notification_email_send_task
from tokshop.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(settings):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    hostname = f"{queue}@{socket.gethostname()}"
    args = [str(BIN / "celery"), "-A", "tokshop", "worker", "--pool=solo", "-Q", queue, "-n", hostname, "-l", "warning"]
    with running(args, name="celery-worker", env=process_environment()) as process:
        deadline = time.monotonic() + 30
        while not celery_app.control.ping(destination=[hostname], timeout=0.5):
            assert process.poll() is None, "the worker exited; see test-artifacts/celery-worker.log"
            assert time.monotonic() < deadline, "the worker did not answer a ping within 30 s"
        celery_app.conf.task_always_eager = False
        settings.CELERY_TASK_ALWAYS_EAGER = False
        try:
            yield queue
        finally:
            celery_app.conf.task_always_eager = True


def test_a_worker_runs_a_task_exactly_once_and_reports_a_heartbeat(worker):
    notification = Notification.objects.create(user=UserFactory(), kind=NotificationKind.ACCOUNT, title="Hi")

    for _ in range(2):
        notification_email_send_task.apply_async(args=[notification.pk], queue=worker)
    deadline = time.monotonic() + 20
    while Notification.objects.get(pk=notification.pk).emailed_at is None:
        assert time.monotonic() < deadline, "the worker did not run the task"
        time.sleep(0.1)

    status, body = health_report()
    assert body["checks"]["celery"]["status"] == "ok"
    assert body["checks"]["celery"]["worker"].startswith(worker)
    assert status == 200


def test_every_periodic_job_names_a_registered_task():
    celery_app.loader.import_default_modules()

    assert celery_app.conf.beat_schedule
    for name, entry in celery_app.conf.beat_schedule.items():
        assert entry["task"] in celery_app.tasks, name
