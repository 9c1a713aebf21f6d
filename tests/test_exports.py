import io

import pandas as pd

from sia.exports import safe_csv


def test_formulas_are_neutralised_and_numbers_kept():
    table = pd.DataFrame({"location": ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tx",
                                       "On or near High Street"],
                          "count": [1, -2, 3, 4, 5, 6]})
    data = safe_csv(table)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["location"].tolist()[:4] == ['\'=HYPERLINK("http://x","y")', "'+1", "'-2", "'@SUM(A1)"]
    assert back["location"].iloc[5] == "On or near High Street"
    assert back["count"].tolist() == [1, -2, 3, 4, 5, 6]
