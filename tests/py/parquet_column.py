"""The README's worked example, its Python half: read a Parquet file that `data-masking sql`
wrote and decrypt one of its columns with Powertools for AWS Lambda (Python), each row under the
encryption context its own `tenant` column names.

The KMS endpoint, region and credentials come from the environment, as for every AWS SDK.

stdin:  {"file": "<path>", "column": "<name>", "keys": [arn, ...]}
stdout: {"values": [<the decrypted value of each row, null for a null cell>, ...]}
"""

import json
import sys

import pyarrow.parquet as pq
from aws_lambda_powertools.utilities.data_masking import DataMasking
from aws_lambda_powertools.utilities.data_masking.provider.kms.aws_encryption_sdk import (
    AWSEncryptionSDKProvider,
)


def decrypt_column(path, column, keys):
    masker = DataMasking(provider=AWSEncryptionSDKProvider(keys=keys))
    rows = pq.read_table(path).to_pylist()
    return [
        None if row[column] is None else masker.decrypt(row[column], tenant=row["tenant"])
        for row in rows
    ]


def main():
    request = json.load(sys.stdin)
    values = decrypt_column(request["file"], request["column"], request["keys"])
    json.dump({"values": values}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
