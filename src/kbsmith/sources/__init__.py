"""Sources (wire name: documents): web pages and provider documents turned into paragraphs."""
