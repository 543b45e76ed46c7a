"""Flask-Security-Too 5.9: GET /me behind token authentication, as its quickstart builds it.

`gunicorn -c gunicorn_conf.py app:app` serves it. The user model is the quickstart's (fsqla_v3)
with its roles loaded in the user's own query (lazy="joined"): the stock lazy load would make a
second query per request for the identity's role needs. `python app.py setup USERS TOKENS_FILE`
creates the tables, seeds the users, writes auth tokens of the first 32, and checks that /me
makes exactly one query.
"""

import os
import sys
import uuid

from flask import Flask, jsonify
from flask_security import Security, SQLAlchemyUserDatastore, auth_token_required, current_user
from flask_security.models import fsqla_v3 as fsqla
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event

app = Flask(__name__)
app.config.update(
    SECRET_KEY=os.environ["SECRET_KEY"],
    SECURITY_PASSWORD_SALT=os.environ["SECRET_KEY"][:16],
    SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"],
    SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False, "pool_size": 16},
    SECURITY_TOKEN_MAX_AGE=1800,
    SECURITY_TOKEN_AUTHENTICATION_HEADER="Authentication-Token",
    SESSION_COOKIE_SECURE=True,
)
db = SQLAlchemy(app)
fsqla.FsModels.set_db_info(db)


class Role(db.Model, fsqla.FsRoleMixin):
    __tablename__ = "role"


class User(db.Model, fsqla.FsUserMixin):
    __tablename__ = "user"
    first_name = db.Column(db.String(255))
    last_name = db.Column(db.String(255))
    roles = db.relationship("Role", secondary="roles_users", lazy="joined",
                            backref=db.backref("users", lazy="dynamic"))


security = Security(app, SQLAlchemyUserDatastore(db, User, Role))


@app.get("/me")
@auth_token_required
def me():
    user = current_user
    return jsonify(
        id=user.id, email=user.email, username=user.username, first_name=user.first_name,
        last_name=user.last_name, active=user.active, roles=[role.name for role in user.roles],
        confirmed_at=user.confirmed_at, last_login_at=user.last_login_at,
        current_login_at=user.current_login_at, us_phone_number=user.us_phone_number,
        tf_primary_method=user.tf_primary_method, create_datetime=user.create_datetime,
        update_datetime=user.update_datetime,
    )


def setup(users: int, tokens_file: str) -> None:
    with app.app_context():
        db.create_all()
        role = Role(name="student")
        db.session.add(role)
        db.session.add_all(
            User(email=f"bench-user-{n}@bench.sena.edu.co", password=None, active=True,
                 fs_uniquifier=uuid.uuid4().hex, first_name="Usuario", last_name=f"Prueba {n}",
                 roles=[role])
            for n in range(1, users + 1)
        )
        db.session.commit()
        chosen = db.session.scalars(db.select(User).order_by(User.id).limit(32)).unique().all()
        tokens = [user.get_auth_token() for user in chosen]
        statements = []
        event.listen(db.engine, "before_cursor_execute",
                     lambda *args: statements.append(args[2]))
    with open(tokens_file, "w") as out:
        out.write("\n".join(tokens) + "\n")
    answer = app.test_client().get("/me", headers={"Authentication-Token": tokens[0]})
    assert answer.status_code == 200, answer.data
    print(f"queries per /me: {len(statements)}: {statements}")


if __name__ == "__main__":
    setup(int(sys.argv[2]), sys.argv[3])
