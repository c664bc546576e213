# Production configuration for ocop-app: copy to instance/config.py (next to the code, or in the
# directory given by the instance path) and set the secrets in the environment, never in this file.
# `flask --app ocop_app check-deploy` must print "OK" with it. See docs/deploy.md.
import os

DEBUG = False
TESTING = False

# 64 hex characters from `python -c 'import secrets; print(secrets.token_hex(32))'`, the same on every worker.
SECRET_KEY = os.environ["SECRET_KEY"]

# PostgreSQL, shared by every worker and machine (DATABASE_URL in the environment also works).
SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "postgresql://ocop:CHANGE-ME@db.internal/ocop")

# Served over HTTPS behind one reverse proxy (nginx) that sets X-Forwarded-For/-Proto.
OCOP_HTTPS = True          # Secure cookies + HSTS
PROXY_FIX_HOPS = 1

# Login limits shared by every worker (Redis); without it each worker counts on its own.
RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

# Uploaded dossier files on a volume every worker mounts.
UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", "/srv/ocop/uploads")
