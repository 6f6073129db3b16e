"""Outside systems (storage, SMS, mail…), each behind one small interface with a local default."""
