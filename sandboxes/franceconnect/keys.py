"""The sandbox's ES256 signing key (P-256), published at /jwks with its `kid`."""

from __future__ import annotations

import json
import os
from pathlib import Path

from joserfc import jwt
from joserfc.jwk import ECKey

ALG = "ES256"


class SigningKey:
    def __init__(self, key: ECKey):
        self.kid = key.thumbprint()
        self.key = ECKey.import_key(
            key.as_dict(private=True), parameters={"kid": self.kid, "use": "sig", "alg": ALG}
        )

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(ECKey.generate_key("P-256"))

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> SigningKey:
        """The key in `path` (a private JWK as JSON, or PEM); a new one saved there if absent."""
        file = Path(path)
        if not file.exists():
            signing_key = cls.generate()
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(json.dumps(signing_key.key.as_dict(private=True)), encoding="utf-8")
            file.chmod(0o600)
            return signing_key
        text = file.read_text(encoding="utf-8").strip()
        key = ECKey.import_key(json.loads(text) if text.startswith("{") else text)
        if key.get("crv") != "P-256" or not key.is_private:
            raise ValueError(f"{file} ne contient pas une clé privée EC P-256.")
        return cls(key)

    def jwks(self) -> dict:
        return {"keys": [self.key.as_dict(private=False)]}

    def sign(self, claims: dict) -> str:
        return jwt.encode({"alg": ALG, "kid": self.kid}, claims, self.key, algorithms=[ALG])
