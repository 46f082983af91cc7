"""The browser application: pages in Danish and English on the same service as the API."""
