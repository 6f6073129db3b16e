"""Documents the service produces for people to read outside it: the letters (PDF and e-mail)
that give a parent their identifiant and temporary password (journeys §4), the receipt of a
scholarship request (PDF, e-mail, SMS) and the decision on it (e-mail, SMS). The PDFs are tagged
(PDF/UA-1), written from templates/documents/ by documents/pdf.py."""
