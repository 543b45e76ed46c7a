"""`flask users` does what an operator needs of /api/users, with the same rules."""

from helpers import PASSWORD, bearer, without_target


def test_update_changes_profile_fields_and_validates(runner, create_user, accounts):
    user = create_user(phone="300")
    result = runner.invoke(
        args=[
            "users",
            "update",
            user["email"].upper(),
            "--first-name",
            "Ana",
            "--program",
            "ADSO",
            "--phone",
            "",
        ]
    )
    assert result.exit_code == 0, without_target(result.output)
    assert "updated: first_name, phone, program" in without_target(result.output)
    profile = accounts.login(user["email"])["user"]
    assert (profile["first_name"], profile["program"], profile["phone"]) == ("Ana", "ADSO", None)
    empty = runner.invoke(args=["users", "update", user["email"], "--first-name", ""])
    assert empty.exit_code == 1
    assert "first-name must be 1 to 100 characters in one alphabet" in without_target(empty.output)
    nothing = runner.invoke(args=["users", "update", user["email"]])
    assert nothing.exit_code == 1 and "nothing to change" in without_target(nothing.output)


def test_list_searches_and_limits(runner, create_user):
    create_user(first_name="Mariana", email="m1@sena.edu.co")
    create_user(first_name="Pedro", email="p1@sena.edu.co")
    create_user(first_name="Carlos", email="mari_c@sena.edu.co")
    found = runner.invoke(args=["users", "list", "--search", "MARI"])
    assert found.exit_code == 0
    listed = without_target(found.output)
    assert "m1@" in listed and "mari_c@" in listed and "p1@" not in listed
    literal = without_target(runner.invoke(args=["users", "list", "--search", "i_c"]).output)
    assert "mari_c@" in literal and "m1@" not in literal
    limited = runner.invoke(args=["users", "list", "--limit", "2"])
    assert limited.exit_code == 0
    assert "2 of 3 user(s)" in without_target(limited.output)
    lines = [line for line in without_target(limited.output).splitlines() if "@" in line]
    assert len(lines) == 2 and "m1@" not in without_target(limited.output)  # the newest two, oldest first
    assert lines[0].startswith("p1@")


def test_last_admin_general_is_refused_in_english(runner, create_user):
    admin = create_user(role="admin_general")
    for command in (["deactivate", admin["email"]], ["set-role", admin["email"], "admin"]):
        result = runner.invoke(args=["users", *command])
        assert result.exit_code == 1
        assert without_target(result.output).strip() == (
            "Error: this is the last active admin_general; give another account that role first"
        )
    listing = runner.invoke(args=["users", "list", "--role", "admin_general", "--active"])
    assert admin["email"] in without_target(listing.output)


def test_logout_and_set_role_end_sessions_through_the_same_rules(runner, client, create_user, accounts):
    user = create_user()
    token = accounts.login(user["email"], PASSWORD)["access_token"]
    ended = runner.invoke(args=["users", "logout", user["email"]])
    assert without_target(ended.output).startswith("ended 1 session(s)")
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 401
    token = accounts.login(user["email"], PASSWORD)["access_token"]
    assert runner.invoke(args=["users", "set-role", user["email"], "admin"]).exit_code == 0
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 401
