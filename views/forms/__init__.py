"""The forms of the journeys, one module per view module, of the same name: the views read
them and answer; what a form holds is checked here only as far as WTForms' validators go (a
field given, its length), the rules being in rules/."""
