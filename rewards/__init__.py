"""Points ledger, earning rules, reward catalogue and redemptions."""
