"""Reference (b): the framework's floor, a trivial Flask endpoint.

Served by bench/run.py under the service's own gunicorn settings
(`gunicorn -c gunicorn.conf.py bench.floor_app:app`) and driven by the same wrk settings as
GET /api/auth/me. It answers a static JSON object shaped like a UserResponse (same keys, similar
size), so the difference to /me is what the service does per request: token check, revocation
check, user load, schema serialization.
"""

from flask import Flask, jsonify

app = Flask(__name__)
app.json.sort_keys = False

BODY = {
    "id": "3f1c2a7e-5b7d-4c8e-9a51-2d6b8e0f4c11",
    "email": "bench-user-1@bench.sena.edu.co",
    "first_name": "Usuario",
    "last_name": "Prueba 1",
    "role": "student",
    "phone": None,
    "program": None,
    "ficha": None,
    "avatar_url": None,
    "is_active": True,
    "last_login": "2026-11-24T03:00:00.000000+00:00",
    "created_at": "2026-11-24T03:00:00.000000+00:00",
    "updated_at": "2026-11-24T03:00:00.000000+00:00",
    "environment_id": None,
}


@app.get("/floor")
def floor():
    return jsonify(BODY)
