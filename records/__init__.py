"""Reading and writing the service's records (établissements, élèves, responsables) in storage."""
