"""The learned models, each behind one small interface and loaded once per process: text
detection and recognition (``ocr``, with the card head of ``card_head``) and the card detector's
mask (``card_mask``). No knowledge of the card's layout; locate/ and read/ both use them."""
