// Brings the inactivity prompt to an agent who is looking at another window (docs/architecture.md#console): an agent who
// stopped interacting with this tab is, almost by definition, elsewhere, so the modal alone would go unseen until they
// came back to find themselves offline. While a prompt is open the tab's title counts down; while the tab is hidden an
// operating-system notification shows it (clicking it brings the tab forward) and a short sound plays, which the agent
// may mute. The server's events close the prompt in every tab at once (Continue anywhere), and with it the notification.

import { serverNow } from './api.js';
import { countdownText } from './ui.js';

const SOUND_KEY = 'worksessions.promptSound';
const NOTIFICATION_TAG = 'worksessions-prompt';

/**
 * @param {object} parts
 * @param {HTMLElement} parts.hint where the page says why it asks for notifications, or that they are blocked
 * @param {HTMLInputElement} parts.soundToggle the checkbox that turns the prompt's sound on and off
 */
export function createAttention({ hint, soundToggle }) {
  const baseTitle = document.title;
  let deadline = null;       // the open prompt's deadline (ms on the server's clock), null when there is none
  let notification = null;   // the notification this tab shows for the open prompt
  let audio = null;          // created on a click (Start), so that the browser lets it play later
  let soundOn = localStorage.getItem(SOUND_KEY) !== 'off';

  const supported = typeof window.Notification === 'function';

  function renderSound() {
    soundToggle.checked = soundOn;
  }

  function renderHint() {
    if (!supported) {
      hint.textContent = 'This browser cannot show notifications: keep this tab in sight, its title counts down when you are asked.';
    } else if (Notification.permission === 'denied') {
      hint.textContent = 'Notifications are blocked for this site: if you are asked whether you are still working while in another window, only the tab title and a sound will tell you.';
    } else if (Notification.permission === 'default') {
      hint.textContent = 'Allow notifications so that the question whether you are still working reaches you in another window.';
    } else {
      hint.textContent = '';
    }
    hint.hidden = hint.textContent === '';
  }

  soundToggle.addEventListener('change', () => {
    soundOn = soundToggle.checked;
    localStorage.setItem(SOUND_KEY, soundOn ? 'on' : 'off');
    unlockSound();
    renderSound();
  });

  // Browsers let a page make sound only after a click on it: create (or resume) the audio context inside one.
  function unlockSound() {
    const Context = window.AudioContext ?? window.webkitAudioContext;
    if (!Context) return;
    audio ??= new Context();
    if (audio.state === 'suspended') audio.resume().catch(() => {});
  }

  function beep() {
    if (!soundOn || !audio || audio.state !== 'running') return;
    // Two short tones, quiet enough for a headset.
    const now = audio.currentTime;
    for (const [offset, frequency] of [[0, 880], [0.25, 660]]) {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, now + offset);
      gain.gain.exponentialRampToValueAtTime(0.2, now + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + 0.2);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(now + offset);
      oscillator.stop(now + offset + 0.22);
    }
  }

  function showNotification(remainingMs) {
    if (!supported || Notification.permission !== 'granted' || notification) return;
    try {
      // One tag for every tab: two hidden tabs replace each other's notification instead of stacking two.
      notification = new Notification('Are you still working?', {
        body: `Your work session ends in ${countdownText(remainingMs)} unless you continue. Select this to go back to Contact Center.`,
        tag: NOTIFICATION_TAG,
        requireInteraction: true,
      });
      notification.onclick = () => {
        window.focus();
        closeNotification();
      };
    } catch {
      // Some browsers allow notifications only from a service worker; the title and the sound still tell.
      notification = null;
    }
  }

  function closeNotification() {
    notification?.close();
    notification = null;
  }

  function reachOut(remainingMs) {
    if (document.visibilityState !== 'hidden') return;
    showNotification(remainingMs);
    beep();
  }

  document.addEventListener('visibilitychange', () => {
    if (deadline === null) return;
    if (document.visibilityState === 'hidden') reachOut(deadline - serverNow());
    else closeNotification();
  });

  renderSound();
  renderHint();

  return {
    /** On the agent's click that starts a session: asks for notifications (a click is the moment browsers allow it). */
    sessionStarting() {
      unlockSound();
      if (supported && Notification.permission === 'default') {
        Notification.requestPermission().then(renderHint, renderHint);
      }
    },

    /** Any click or key on the page (after a reload, the first one): lets a later prompt play its sound. */
    interacted() {
      unlockSound();
    },

    /** A prompt opened, due at <deadlineMs> on the server's clock, <remainingMs> from now. */
    promptOpened(deadlineMs, remainingMs) {
      if (deadline === deadlineMs) return;
      deadline = deadlineMs;
      reachOut(remainingMs);
      this.tick(remainingMs);
    },

    /** The prompt is gone (Continue here or in another tab, the session ended). */
    promptClosed() {
      if (deadline === null) return;
      deadline = null;
      closeNotification();
      document.title = baseTitle;
    },

    /** Each quarter second while a prompt is open: the title counts down. */
    tick(remainingMs) {
      if (deadline === null) return;
      document.title = `(${countdownText(remainingMs)}) Are you still working? · ${baseTitle}`;
    },
  };
}
