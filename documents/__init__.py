"""Documents the service produces for people to read outside it: the letters (PDF and e-mail)
that give a parent their identifiant and temporary password (journeys §4)."""
