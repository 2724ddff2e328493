"""Integer DSP feature extractors for device code (plain Python with viper twins)."""
