"""The business rules: pure functions on tables.

Conventions every rule follows:

- Input tables are pandas DataFrames as the engine parses them from the
  tracker: the index is the row number in the sheet (the header is row 1,
  so data starts at 2), the columns are the ``field`` names declared in
  :mod:`sheetops.schema`, and values are already typed:

  ========================  ============================================
  schema type               in the DataFrame
  ========================  ============================================
  TEXT, CHOICE, EMAIL,      ``str``; blank is ``""`` (never NaN). A
  PHONE, MONTH              choice is spelt canonically ("WhatsApp");
                            an invalid one is ``""``. MONTH is "YYYY-MM".
  NUMBER, WHOLE             ``float64``; blank or invalid is NaN
  DATE                      ``datetime64[ns]`` at midnight; NaT if blank
  DATETIME                  ``datetime64[ns]``, Asia/Jakarta wall time,
                            naive; NaT if blank or invalid
  TIME                      ``object``: ``datetime.time`` or None
  BOOL                      ``bool``; blank is False
  ========================  ============================================

  Rows that name a customer (Requests, Time Log, Calls) also carry
  ``customer_id``: the Customer ID the name or ID resolved to, ``""`` when
  it matched no customer.

- "Now" is never read from the clock: the as-of instant is passed in as a
  timezone-aware ``datetime`` in the business time zone, and "today" is
  its date.

- A rule returns a DataFrame with the same index, one column per computed
  field it fills, plus ``problems``: a column of lists of sentences a
  person can act on ("Type: B is not included in R1 Basic; ...").
  Problems never raise: a bad row gets a sentence, the others go on.
"""
