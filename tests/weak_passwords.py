"""Passwords for Sophie Lefèvre-D'Almeida (identifiant s.lefevredalmeida1) that each break one
rule of §2.4, shared by every journey that creates a password."""

SOPHIE_ID = "s.lefevredalmeida1"

WEAK_PASSWORDS = [
    ("length", "Rent-2026!o"),
    ("upper", "rentree-2026!ok"),
    ("lower", "RENTREE-2026!OK"),
    ("digit", "Rentree-Scolaire!"),
    ("special", "Rentree2026Scolaire"),
    ("personal", "Sophie-2026!Rentree"),
    ("personal", "Almeida-2026!Rentree"),
    ("personal", "LefevreDalmeida-2026!"),
    ("personal", "Mon-S.Lefevredalmeida1!"),
    ("personal", f"{SOPHIE_ID}!X"),
]
