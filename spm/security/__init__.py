"""Security basics: login lockout answers, the Content-Security-Policy rule, secrets kept out of logs."""
