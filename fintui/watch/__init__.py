"""The headless watch: polling, alerts, delivery, history and forecasts behind every view."""
