"""The floor: a bare Flask app answering « hello », run by the same gunicorn as the service
(`gunicorn bench.hello:app`). What the service adds to a request is measured against it."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
