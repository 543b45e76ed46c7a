# Read by the `flask` command only (not by gunicorn): local commands default to development.
# A deployment sets APP_ENV=production in its real environment, which wins over this file.
FLASK_APP=wsgi
APP_ENV=development
