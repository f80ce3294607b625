"""Text to a talking-head MP4: TTS, lip-sync, avatar frames, ffmpeg.

Import from the modules (`render.pipeline`, `render.tts`, `render.avatar`, ...); this file imports
nothing, so that loading any part of the renderer never loads the rest.
"""
