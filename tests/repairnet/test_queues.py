"""Job queues by weight: heavy jobs have their own queue and worker, so they never hold up the sweeps."""

from pathlib import Path

import yaml
from django.conf import settings

from repairnet.celery import app as celery_app

COMPOSE = Path(settings.BASE_DIR) / "docker-compose.yml"


def _queue(task_name: str) -> str:
    return celery_app.amqp.router.route({}, task_name)["queue"].name


def test_heavy_jobs_go_to_the_heavy_queue_and_the_sweeps_to_the_default_one():
    celery_app.loader.import_default_modules()  # the areas' tasks modules, as a worker loads them at start
    for name in settings.CELERY_HEAVY_TASKS:
        assert name in celery_app.tasks, name  # a renamed task would silently fall back to "default"
        assert _queue(name) == "heavy"
    sweeps = (
        "tickets.tasks.callbacks_sweep_task",
        "tickets.tasks.sla_breaches_record_task",
        "settlement.tasks.settlement_runs_recover_task",
        "repairnet.tasks.user_password_reset_mail_task",
    )
    for name in sweeps:
        assert _queue(name) == "default"


def test_the_compose_file_runs_a_worker_for_each_queue_and_beat_once():
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    consumed = {}
    for name, service in services.items():
        command = service.get("command", [])
        if command[:4] == ["celery", "-A", "repairnet", "worker"]:
            consumed[name] = command[command.index("-Q") + 1].split(",")
    assert consumed == {"worker-default": ["default"], "worker-heavy": ["heavy"]}
    assert sum(1 for s in services.values() if "beat" in s.get("command", [])) == 1


def test_the_compose_file_keeps_every_file_in_minio():
    compose = yaml.safe_load(COMPOSE.read_text())
    services, volumes = compose["services"], compose["volumes"]
    assert services["minio"]["image"].startswith("minio/minio")
    assert "miniodata:/data" in services["minio"]["volumes"] and "miniodata" in volumes
    init = services["minio-init"]
    assert init["image"].startswith("minio/mc") and init["depends_on"]["minio"]["condition"] == "service_healthy"
    assert "mc mb --ignore-existing local/repairnet" in init["command"][0]
    # the web node, both workers and beat read and write the same bucket, and none keeps files on its own disk
    for name in ("web", "worker-default", "worker-heavy", "beat", "migrate"):
        service = services[name]
        env = service["environment"]
        assert env["STORAGE_BACKEND"] == "s3", name
        assert env["AWS_S3_ENDPOINT_URL"] == "http://minio:9000", name
        assert env["AWS_STORAGE_BUCKET_NAME"] == "repairnet", name
        assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_QUERYSTRING_EXPIRE"} <= env.keys(), name
        assert "MEDIA_ROOT" not in env and not service.get("volumes"), name
    assert services["migrate"]["depends_on"]["minio-init"]["condition"] == "service_completed_successfully"


def test_the_compose_file_runs_several_stateless_web_nodes_behind_a_balancer():
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    web = services["web"]
    assert int(str(web["deploy"]["replicas"]).removeprefix("${WEB_NODES:-").rstrip("}")) >= 2
    assert "ports" not in web  # only the balancer is published
    # each node gets the whole shared configuration (not only its own additions) and its own metrics folder
    for name in ("DATABASE_URL", "REDIS_URL", "STORAGE_BACKEND", "AWS_S3_ENDPOINT_URL", "DATABASE_REPLICA_URL"):
        assert name in web["environment"], name
    assert web["environment"]["PROMETHEUS_MULTIPROC_DIR"] in web["tmpfs"]
    lb = services["lb"]
    assert lb["ports"] == ["8000:80"] and "web" in lb["depends_on"]
    mount = next(v for v in lb["volumes"] if v.endswith("/etc/nginx/conf.d/default.conf:ro"))
    conf = (COMPOSE.parent / mount.split(":")[0]).read_text()
    assert "server web:8000 resolve;" in conf and "proxy_pass http://repairnet_web;" in conf
