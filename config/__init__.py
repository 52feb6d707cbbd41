"""The project's configuration.

The Celery application (config/celery.py) is imported by abl/tasks.py, so a
process loads Celery only when it sends or runs a task; `celery -A config`
finds it as `config.celery`.
"""
