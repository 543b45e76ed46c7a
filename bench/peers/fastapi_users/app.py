"""fastapi-users 15: GET /users/me with the JWT strategy and SQLAlchemy async + asyncpg, as its
documentation's full example builds it.

`gunicorn -c gunicorn_conf.py app:app` serves it (2 uvicorn workers). `python app.py setup USERS
TOKENS_FILE` creates the table, seeds the users, writes JWTs of the first 32 (minted by the
strategy) and checks that /users/me makes exactly one query.
"""

import asyncio
import os
import sys
import uuid
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi_users import BaseUserManager, FastAPIUsers, UUIDIDMixin, schemas
from fastapi_users.authentication import AuthenticationBackend, BearerTransport, JWTStrategy
from fastapi_users_db_sqlalchemy import SQLAlchemyBaseUserTableUUID, SQLAlchemyUserDatabase
from sqlalchemy import String, event
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SECRET = os.environ["SECRET_KEY"]
URL = os.environ["DATABASE_URL"].replace("+psycopg2", "+asyncpg")


class Base(DeclarativeBase):
    pass


class User(SQLAlchemyBaseUserTableUUID, Base):
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20), default="student")
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    program: Mapped[str | None] = mapped_column(String(200), nullable=True)
    ficha: Mapped[str | None] = mapped_column(String(20), nullable=True)
    avatar_url: Mapped[str | None] = mapped_column(String(500), nullable=True)


class UserRead(schemas.BaseUser[uuid.UUID]):
    first_name: str
    last_name: str
    role: str
    phone: str | None
    program: str | None
    ficha: str | None
    avatar_url: str | None


class UserUpdate(schemas.BaseUserUpdate):
    pass


engine = create_async_engine(URL)
session_maker = async_sessionmaker(engine, expire_on_commit=False)


async def get_async_session():
    async with session_maker() as session:
        yield session


async def get_user_db(session=Depends(get_async_session)):  # noqa: B008 (FastAPI's idiom)
    yield SQLAlchemyUserDatabase(session, User)


class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
    reset_password_token_secret = SECRET
    verification_token_secret = SECRET


async def get_user_manager(user_db=Depends(get_user_db)):  # noqa: B008
    yield UserManager(user_db)


def get_jwt_strategy() -> JWTStrategy:
    return JWTStrategy(secret=SECRET, lifetime_seconds=1800)


auth_backend = AuthenticationBackend(
    name="jwt", transport=BearerTransport(tokenUrl="auth/jwt/login"), get_strategy=get_jwt_strategy
)
fastapi_users = FastAPIUsers[User, uuid.UUID](get_user_manager, [auth_backend])
app = FastAPI()
app.include_router(fastapi_users.get_auth_router(auth_backend), prefix="/auth/jwt")
app.include_router(fastapi_users.get_users_router(UserRead, UserUpdate), prefix="/users")


async def _setup(users: int, tokens_file: str) -> None:
    from sqlalchemy import select

    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with session_maker() as session:
        session.add_all(
            User(email=f"bench-user-{n}@bench.sena.edu.co", hashed_password="!", first_name="Usuario",
                 last_name=f"Prueba {n}")
            for n in range(1, users + 1)
        )
        await session.commit()
        chosen = (await session.scalars(select(User).order_by(User.email).limit(32))).all()
    strategy = get_jwt_strategy()
    tokens = [await strategy.write_token(user) for user in chosen]
    with open(tokens_file, "w") as out:
        out.write("\n".join(tokens) + "\n")
    await engine.dispose()


async def _get(path: str, token: str) -> int:
    """One ASGI request straight into the app; its status."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": [(b"host", b"127.0.0.1"),
                                          (b"authorization", f"Bearer {token}".encode())],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    await engine.dispose()
    return sent[0]["status"]


def setup(users: int, tokens_file: str) -> None:
    asyncio.run(_setup(users, tokens_file))
    statements = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    token = Path(tokens_file).read_text().split()[0]
    status = asyncio.run(_get("/users/me", token))
    assert status == 200, status
    print(f"queries per /me: {len(statements)}: {statements}")


if __name__ == "__main__":
    setup(int(sys.argv[2]), sys.argv[3])
