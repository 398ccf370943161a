"""Knowledge generation: decide ADD / UPDATE / NOTHING for a source, write, save."""
