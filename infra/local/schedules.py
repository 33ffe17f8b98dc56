"""Local mode's EventBridge Scheduler: moto stores campaign schedules but never fires them, so a
timer does what the Scheduler does in AWS — every few seconds it takes the schedules that are due,
delivers each one's message to its target queue (the fan-out queue, consumed by the same worker
and function as in AWS) and deletes the schedule, as `ActionAfterCompletion: DELETE` would.

`POST /_local/jobs/schedules {"time"}` runs the same step as of any time, so a test or a person
need not wait for a schedule that is days out."""

import logging
from datetime import UTC, datetime

from consentmail.adapters.scheduler import CampaignSchedules
from infra.local.workers import StoppableLoop

logger = logging.getLogger(__name__)

# How often the timer looks for due schedules: the Scheduler's own precision is a minute.
INTERVAL_SECONDS = 5.0


def fire_due(at: datetime) -> list[str]:
    """Fire every schedule due by `at`; the names of those fired."""
    schedules = CampaignSchedules()
    fired = []
    for due in schedules.due(at):
        schedules.fire(due)
        fired.append(due.name)
    if fired:
        logger.info("schedules fired: %s", ", ".join(fired))
    return fired


class ScheduleTimer:
    """Fires due schedules every `interval` seconds, as of the wall clock."""

    def __init__(self, interval: float = INTERVAL_SECONDS):
        self._loop = StoppableLoop("schedule-timer", self.run_once, interval=interval)

    def start(self) -> None:
        self._loop.start()

    def stop(self, timeout: float = 15) -> None:
        self._loop.stop(timeout)

    def request_stop(self) -> None:
        self._loop.request_stop()

    def run_once(self) -> None:
        fire_due(datetime.now(UTC))
