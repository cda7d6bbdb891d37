"""Sending alerts out of fintui."""
