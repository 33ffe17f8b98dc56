"""GDPR subject requests (art. 15-17, 20): access, rectification and erasure of everything held
about an address, in every account, after the address's owner verifies by an emailed link."""
