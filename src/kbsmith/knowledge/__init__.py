"""Articles, folders and agents: where generated knowledge lands and is reviewed."""
