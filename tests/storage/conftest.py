"""The storage tests run against a real S3-protocol server: moto in server mode, on 127.0.0.1, started once per
test process (each pytest-xdist worker has its own server and its own bucket)."""

import os

import boto3
import pytest
from botocore.config import Config

ACCESS_KEY = "repairnet-test"
SECRET_KEY = "repairnet-test-secret"
REGION = "us-east-1"


@pytest.fixture(scope="session")
def s3_server():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)  # port 0: a free one
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def s3_bucket(s3_server):
    name = f"repairnet-test-{os.environ.get('PYTEST_XDIST_WORKER', 'gw0')}"
    client(s3_server).create_bucket(Bucket=name)
    return name


def client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


@pytest.fixture
def s3(settings, s3_bucket, s3_server):
    """Object storage for this test, as production configures it (repairnet/settings.py, STORAGE_BACKEND=s3);
    yields a boto3 client to look at the bucket directly. Overriding STORAGES resets default_storage."""
    options = {
        "bucket_name": s3_bucket,
        "endpoint_url": s3_server,
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "region_name": REGION,
        "location": "",
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": settings.AWS_QUERYSTRING_EXPIRE,
        "file_overwrite": False,
        "signature_version": "s3v4",
        "addressing_style": "path",
    }
    settings.STORAGE_BACKEND = "s3"
    settings.S3_STORAGE_OPTIONS = options
    settings.AWS_S3_URL_ENDPOINT = s3_server
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
    }
    s3 = client(s3_server)
    for key in keys(s3, s3_bucket):  # each test starts with an empty bucket (its worker's own)
        s3.delete_object(Bucket=s3_bucket, Key=key)
    return s3


def keys(s3, bucket, prefix=""):
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
    return [item["Key"] for item in listing.get("Contents", [])]
