"""The sign-in form, the same for parents and staff (one macro): its two fields and its button."""


def submit_sign_in(page, identifiant: str, password: str) -> None:
    page.locator("#identifiant").fill(identifiant)
    page.locator("#mot_de_passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def sign_out(page) -> None:
    """A parent's « Se déconnecter », in the header's account menu: at phone width with
    JavaScript, behind the header's « Menu »."""
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():
        menu.click()
    page.get_by_role("banner").get_by_role("button", name="Se déconnecter").click()
