"""The scheduler process: runs scheduled jobs outside the web workers."""
