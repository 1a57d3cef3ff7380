"""moto's server (`moto_server`, same arguments: -H HOST -p PORT ...) with AWS's form of
multi-Region KMS key ids.

moto makes a multi-Region key id "mrk-" + a dashed UUID (40 characters), but its ciphertext
blob keeps the key id in a fixed 36-byte field (moto.kms.utils.KEY_ID_LEN): the id is cut to 36
characters on Encrypt, so Decrypt looks up a key that does not exist and answers
AccessDeniedException for every multi-Region ciphertext, even the key's own in its own Region.
AWS's multi-Region key ids are "mrk-" + 32 lowercase hex digits, 36 characters, which fit.

So before the server starts, this launcher
  * replaces moto's key-id generator (moto.kms.utils.generate_key_id and the name
    moto.kms.models imported from it) with one that makes AWS's form for multi-Region keys and
    leaves single-Region ids as moto makes them (a dashed UUID);
  * lets a raw "mrk-" + 32-hex key id through moto's check of a KeyId parameter (a regex that
    accepts only "mrk-" + a dashed UUID), as AWS accepts it; every other id is checked as before.
Everything else is moto's own: its ReplicateKey copies the key with its key material, so a
replica decrypts its primary's ciphertexts (and the primary its replicas'), as in AWS.

Run: .venv/bin/python tests/py/moto_server.py -H 127.0.0.1 -p PORT
"""

import re
import sys
import uuid

import moto.kms.models
import moto.kms.responses
import moto.kms.utils
from moto.server import main

_AWS_MRK_ID = re.compile(r"mrk-[0-9a-f]{32}")
_moto_generate_key_id = moto.kms.utils.generate_key_id
_moto_validate_cmk_id = moto.kms.responses.KmsResponse._validate_cmk_id


def generate_key_id(multi_region: bool = False) -> str:
    """AWS's multi-Region key id ("mrk-" + 32 hex digits); moto's id otherwise."""
    if multi_region:
        return "mrk-" + uuid.uuid4().hex
    return _moto_generate_key_id(multi_region)


def _validate_cmk_id(self, key_id: str) -> None:
    # moto checks a raw id against its own "mrk-" + dashed-UUID form; an AWS-form id is checked
    # (exists in this account and Region) as its key ARN, which is what moto does for a raw id.
    if _AWS_MRK_ID.fullmatch(key_id):
        key_id = self._display_arn(key_id)
    return _moto_validate_cmk_id(self, key_id)


moto.kms.utils.generate_key_id = generate_key_id
moto.kms.models.generate_key_id = generate_key_id
moto.kms.responses.KmsResponse._validate_cmk_id = _validate_cmk_id

if __name__ == "__main__":
    sys.exit(main())
