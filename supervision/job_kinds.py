"""The names of supervision's outbox jobs. Services enqueue by these names; ``supervision.tasks``
registers the function behind each, so no service imports the tasks module."""

REPORT = "supervision.report"
EVALUATION = "supervision.evaluation"
