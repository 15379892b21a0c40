"""Where the card is: a decoded image in (``scene.Scene``: everything found in it computed once,
within a budget), located cards out, confirmed by evidence: a front's printed words read at their
places (``front``, ``fit``, ``confirm``), a back's QR code and MRZ read (``back``, ``qr``,
``mrz_band``, ``mrz_read``). Candidates come from outlines (``outline``), the card detector's mask
(``mask``) and the text (``text_blocks``, ``layout_search``); ``views`` rectifies a located card."""
