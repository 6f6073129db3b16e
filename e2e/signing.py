"""The sign-in form, the same for parents and staff (one macro): its two fields and its button."""


def submit_sign_in(page, identifiant: str, password: str) -> None:
    page.locator("#identifiant").fill(identifiant)
    page.locator("#mot_de_passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
