// A short, soft two-tone chime made with WebAudio: no sound file, nothing from the net.

export interface Chime {
  /** Call from a click or key press: browsers only allow audio after a user gesture. */
  unlock(): void;
  play(): void;
}

type AudioContextCtor = new () => AudioContext;

export function createWebAudioChime(): Chime {
  let context: AudioContext | null = null;

  function ensure(): AudioContext | null {
    if (context) return context;
    const Ctor: AudioContextCtor | undefined =
      (globalThis as { AudioContext?: AudioContextCtor }).AudioContext ??
      (globalThis as { webkitAudioContext?: AudioContextCtor }).webkitAudioContext;
    if (!Ctor) return null;
    try {
      context = new Ctor();
    } catch {
      context = null;
    }
    return context;
  }

  function tone(ctx: AudioContext, frequency: number, start: number, length: number) {
    const oscillator = ctx.createOscillator();
    const gain = ctx.createGain();
    oscillator.type = "sine";
    oscillator.frequency.value = frequency;
    // Soft attack and release: no click, nothing shrill.
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.25, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
    oscillator.connect(gain).connect(ctx.destination);
    oscillator.start(start);
    oscillator.stop(start + length + 0.05);
  }

  return {
    unlock() {
      const ctx = ensure();
      if (ctx && ctx.state === "suspended") void ctx.resume().catch(() => undefined);
    },
    play() {
      const ctx = ensure();
      if (!ctx) return;
      const start = () => {
        const t = ctx.currentTime + 0.01;
        tone(ctx, 660, t, 0.35); // E5
        tone(ctx, 880, t + 0.18, 0.5); // A5
      };
      if (ctx.state === "suspended") {
        ctx.resume().then(start, () => undefined);
      } else {
        start();
      }
    },
  };
}
