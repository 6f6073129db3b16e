"""Settings: defaults, overridden by FLASK_* environment variables, then by the caller; checked
once at start so a bad value stops the service with a clear message instead of a traceback."""

from __future__ import annotations

import os
import re
import secrets
from datetime import date
from pathlib import Path

from outside.storage import is_url

ROOT = Path(__file__).resolve().parent
# Shorter keys are refused: 32 random characters cannot be guessed.
MIN_SECRET_KEY_LENGTH = 32
KEY_ADVICE = (
    f"donnez au moins {MIN_SECRET_KEY_LENGTH} caractères aléatoires, par exemple "
    "FLASK_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')."
)

DEFAULTS = {
    "SECRET_KEY": None,
    # Under DEV_PAGES without SECRET_KEY: this checkout's own random key, made at its first start
    # and kept out of git (Flask's instance folder is ignored).
    "DEV_SECRET_KEY_FILE": str(ROOT / "instance" / "dev-secret-key"),
    # A TinyDB file (one school), or a PostgreSQL URL (postgresql://…) beyond one school.
    "DATABASE": str(ROOT / "data" / "teleservices.json"),
    # PostgreSQL connections each process keeps open: one per thread answering at once.
    "DATABASE_POOL_SIZE": 10,
    "DEV_PAGES": False,
    "TODAY": None,
    "MAIL_SERVER": None,
    "MAIL_PORT": None,
    "MAIL_SENDER": "ne-pas-repondre@teleservices.localhost",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": True,
    "PERMANENT_SESSION_LIFETIME": 30 * 60,
    # A session ends 30 idle minutes after its last request, and at most 12 hours after it began.
    "SESSION_ABSOLUTE_LIFETIME": 12 * 3600,
    # Seconds before a signed-in session ends when the page warns, with « Rester connecté ».
    "SESSION_WARNING_BEFORE": 2 * 60,
    "MAX_CONTENT_LENGTH": 6 * 1024 * 1024,
    # argon2's time_cost, memory_cost (KiB) and parallelism for new password hashes; None is
    # rules/passwords.py's PRODUCTION_COST. Another cost only with TESTING (the unit suite's).
    "PASSWORD_HASH_COST": None,
    "WTF_CSRF_TIME_LIMIT": None,
    "LOGIN_RATE_LIMIT": "30 per minute; 300 per hour",
    # Where Flask-Limiter counts: memory:// is per process; several processes or machines share
    # their counts only in Redis (redis://127.0.0.1:6379/0).
    "RATELIMIT_STORAGE_URI": "memory://",
    # Redis down: each process counts on its own meanwhile, rather than refusing every sign-in.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    # How many proxies in front of the service set X-Forwarded-*; 0 ignores those headers.
    "TRUSTED_PROXIES": 0,
    "SMS_PER_NUMBER_PER_DAY": 5,
    # Mails one activation journey (§4) may send: enough for a typo and a mail that is slow to
    # come, not for using the service to write to anyone. A new first login starts a new count.
    "ACTIVATION_MAILS_PER_JOURNEY": 5,
    # « Identifiant oublié ? » and « Mot de passe oublié ? »: requests per client address (as
    # LOGIN_RATE_LIMIT, in the same storage), mails per address a day, the link's seconds.
    "RECOVERY_RATE_LIMIT": "20 per minute; 100 per hour; 300 per day",
    "RECOVERY_MAILS_PER_ADDRESS_PER_DAY": 5,
    "RECOVERY_LINK_LIFETIME": 3600,
    # The shortest answer, in seconds, of a recovery request that may send an SMS or a mail:
    # the same whether anything was sent or not.
    "RECOVERY_ANSWER_SECONDS": 1.0,
    # The link confirming a new e-mail address (« Mon compte », the fiche, a request): its
    # lifetime, and how many an account may have mailed in 24 hours.
    "EMAIL_CHANGE_LINK_HOURS": 48,
    "EMAIL_CHANGE_MAILS_PER_DAY": 5,
    # The FranceConnect sandbox of `make run` by default; see the README for the real platforms.
    "FRANCECONNECT_ISSUER": "http://127.0.0.1:5001/api/v2",
    "FRANCECONNECT_CLIENT_ID": "teleservices-sandbox",
    "FRANCECONNECT_CLIENT_SECRET": "sandbox-secret-not-for-production",
    # The tax-data sandbox's households (see the README); a real connector would replace it.
    "TAX_SANDBOX_DATA": str(ROOT / "data" / "sandbox" / "households.json"),
    # The scales of the bourse de collège, one JSON file per school year (rules/bourse.py): a
    # year is added by adding its file. Another folder serves tests of a year not yet published.
    "BOURSE_SCALES": str(ROOT / "data" / "bourse"),
    # The documents parents upload, outside the web root; by default `pieces/` beside DATABASE.
    "UPLOAD_FOLDER": None,
    # Seconds after which a run of the automatic examination that saved no progress is taken
    # for dead (its process stopped): the school may then start it again.
    "EXAMINATION_STALE_SECONDS": 120,
    # The mails waiting to leave (records/mail_queue.py): tries before one is given up (the
    # first is the request's own), the wait after a first failure (doubled after each next
    # one: 1, 2, 4… minutes), and the days a mail sent or given up stays listed before
    # `flask --app app db purge` removes it.
    "MAIL_ATTEMPTS": 8,
    "MAIL_RETRY_SECONDS": 60,
    "MAIL_KEPT_DAYS": 7,
}


class ConfigError(Exception):
    """A setting the service cannot start with; the message says which and why, in French."""


class StartRefused(SystemExit):
    """Stops the process with status 4, the status by which a gunicorn worker says "the app
    failed to load": its master then stops, instead of booting new workers forever."""

    def __init__(self, message: str):
        super().__init__(4)
        self.message = message


def check(config: dict) -> None:
    """Validate and normalise the settings in place."""
    config["DEV_PAGES"] = _check_flag("DEV_PAGES", config.get("DEV_PAGES"))
    config["TODAY"] = _check_today(config.get("TODAY"))
    config["SECRET_KEY"] = _check_secret_key(config)
    config["DATABASE"] = _check_database(config.get("DATABASE"))
    config["MAIL_PORT"] = _check_mail(config.get("MAIL_SERVER"), config.get("MAIL_PORT"))
    config["DATABASE_POOL_SIZE"] = _check_pool_size(config.get("DATABASE_POOL_SIZE"))
    config["SESSION_ABSOLUTE_LIFETIME"] = _check_whole(
        "SESSION_ABSOLUTE_LIFETIME", config.get("SESSION_ABSOLUTE_LIFETIME"), "secondes"
    )
    config["SESSION_WARNING_BEFORE"] = _check_whole(
        "SESSION_WARNING_BEFORE", config.get("SESSION_WARNING_BEFORE"), "secondes"
    )
    config["RATELIMIT_STORAGE_URI"] = _check_rate_limit_storage(config.get("RATELIMIT_STORAGE_URI"))
    config["TRUSTED_PROXIES"] = _check_trusted_proxies(config.get("TRUSTED_PROXIES"))
    config["ACTIVATION_MAILS_PER_JOURNEY"] = _check_whole(
        "ACTIVATION_MAILS_PER_JOURNEY", config.get("ACTIVATION_MAILS_PER_JOURNEY"), "mails"
    )
    for name, unit in (
        ("MAIL_ATTEMPTS", "essais"),
        ("MAIL_KEPT_DAYS", "jours"),
        ("MAIL_RETRY_SECONDS", "secondes"),
    ):
        config[name] = _check_whole(name, config.get(name), unit)
    _check_hash_cost(config)
    config["UPLOAD_FOLDER"] = str(config.get("UPLOAD_FOLDER") or _default_upload_folder(config))


def _check_hash_cost(config: dict) -> None:
    if config.get("PASSWORD_HASH_COST") is not None and not config.get("TESTING"):
        raise ConfigError(
            "PASSWORD_HASH_COST ne sert qu'aux tests : en service, les mots de passe sont "
            "hachés au coût par défaut."
        )


def _check_flag(name: str, value) -> bool:
    # FLASK_DEV_PAGES=False or =off arrives as a string, which Python would take as true.
    if isinstance(value, bool) or value in (None, 0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off", ""):
        return False
    raise ConfigError(f"{name} doit valoir true ou false (reçu : {value!r}).")


def _check_today(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(
            f"TODAY doit être une date au format AAAA-MM-JJ (reçu : {value!r})."
        ) from None


def _check_secret_key(config: dict) -> str:
    key = config.get("SECRET_KEY")
    if config.get("TESTING") and not key:
        return secrets.token_hex(32)
    if config.get("DEV_PAGES") and not key:
        return _development_key(Path(config["DEV_SECRET_KEY_FILE"]))
    if not key or len(str(key)) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(f"SECRET_KEY manquante ou trop faible : {KEY_ADVICE}")
    return str(key)


def _development_key(path: Path) -> str:
    """This checkout's key, made at its first start: a key written in the repository would let
    anyone forge a session cookie, a staff member's included, on a development server."""
    if not path.exists():
        _create_key_file(path)
    try:
        key = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        key = ""
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"La clé de développement {path} est illisible ou trop courte : supprimez ce "
            "fichier, une nouvelle clé sera créée au prochain démarrage."
        )
    return key


def _create_key_file(path: Path) -> None:
    """Written aside, then linked in place: two processes starting at once (the reloader, the
    workers) never read half a key, and the first one's key is the one both keep."""
    aside = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Readable by its owner only: anyone else on the machine could forge sessions with it.
        descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(secrets.token_hex(32) + "\n")
        try:
            os.link(aside, path)
        except FileExistsError:
            pass
        finally:
            aside.unlink()
    except OSError as error:
        raise ConfigError(
            f"La clé de développement ne peut pas être créée dans {path} ({error.strerror}) : "
            f"choisissez un autre DEV_SECRET_KEY_FILE, ou donnez SECRET_KEY : {KEY_ADVICE}"
        ) from None


def _default_upload_folder(config: dict) -> Path:
    if is_url(config["DATABASE"]):
        return ROOT / "data" / "pieces"
    return Path(config["DATABASE"]).parent / "pieces"


def _check_database(value) -> str:
    if not value:
        raise ConfigError(
            "DATABASE doit donner le chemin du fichier de la base ou l'URL PostgreSQL "
            "(postgresql://…)."
        )
    if is_url(value):
        return str(value)
    path = Path(value)
    if path.is_dir():
        raise ConfigError(f"DATABASE désigne un dossier, pas un fichier : {path}")
    folder = path.parent
    if not folder.is_dir():
        raise ConfigError(f"Le dossier de DATABASE n'existe pas : {folder}")
    return str(path)


def _check_pool_size(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1 or str(value).strip() != str(number):
        raise ConfigError(
            f"DATABASE_POOL_SIZE doit être un nombre entier de connexions (reçu : {value!r})."
        )
    return number


def _check_whole(name: str, value, unit: str) -> int:
    """A whole number of `unit` (« secondes », « mails »), at least 1."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1 or str(value).strip() != str(number):
        raise ConfigError(f"{name} doit être un nombre entier de {unit} (reçu : {value!r}).")
    return number


def _check_mail(server, port) -> int | None:
    if not server:
        return None
    try:
        number = 25 if port in (None, "") else int(port)
    except (TypeError, ValueError):
        raise ConfigError(f"MAIL_PORT doit être un numéro de port (reçu : {port!r}).") from None
    if not 0 < number < 65536:
        raise ConfigError(f"MAIL_PORT doit être compris entre 1 et 65535 (reçu : {number}).")
    return number


# The storages our dependencies serve (the redis package); any other would fail at the first
# sign-in, or at start with a traceback.
RATE_LIMIT_SCHEMES = ("memory", "redis", "rediss", "redis+unix")


def _check_rate_limit_storage(value) -> str:
    uri = "memory://" if value in (None, "") else str(value)
    scheme, separator, _ = uri.partition("://")
    if not separator or scheme not in RATE_LIMIT_SCHEMES:
        schemes = ", ".join(f"{name}://" for name in RATE_LIMIT_SCHEMES)
        raise ConfigError(
            f"RATELIMIT_STORAGE_URI doit commencer par l'un de {schemes} (reçu : {value!r})."
        )
    return uri


def _check_trusted_proxies(value) -> int:
    # Too high a number would let a client choose its own address by sending X-Forwarded-For.
    if value in (None, ""):
        return 0
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]+", value.strip()):
        return int(value)
    raise ConfigError(
        "TRUSTED_PROXIES doit être le nombre de proxys devant le service, un entier positif "
        f"ou nul (reçu : {value!r})."
    )
