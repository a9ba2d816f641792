"""Celery application. Without REDIS_URL the settings make tasks run eagerly in-process; a task
started while serving a request then runs on a background thread (`spm.background`)."""

import os
import uuid

from celery import Celery, Task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spm.settings.local")


class SpmTask(Task):
    """Eager tasks started by a request go to the in-process pool, never run on the request thread."""

    def apply_async(self, args=None, kwargs=None, task_id=None, **options):
        from spm import background

        if background.runs_in_background(self.app):
            task_id = task_id or str(uuid.uuid4())
            background.submit(self.name, super().apply_async, args, kwargs, task_id=task_id, **options)
            return self.AsyncResult(task_id)
        return super().apply_async(args, kwargs, task_id=task_id, **options)


app = Celery("spm", task_cls=SpmTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
