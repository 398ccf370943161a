"""Connected providers (Notion, Zendesk, Confluence, Google Drive): one interface, a module each."""
