// The comparison view's state for the image on screen: slider position, before/after or difference mode, and one
// shared viewport (zoom and pan) for both layers, so they cannot drift apart. Keyboard shortcuts map to the same
// methods as the buttons. Geometry lives in lib/view/viewport.ts; this class only holds the state.
//
// May import: lib/view.
import {
  MAX_ZOOM,
  fitViewport,
  panBy,
  steppedScale,
  visibleRegion,
  zoomTo,
  type Point,
  type Size,
  type Viewport,
} from '../view/viewport.js';

export type CompareMode = 'slider' | 'difference';

/** The shortcuts, for the help text next to the view. */
export const COMPARE_SHORTCUTS: ReadonlyArray<[keys: string, action: string]> = [
  ['← →', 'move the slider 5 %'],
  ['↑ ↓', 'move the slider 1 %'],
  ['+ −', 'zoom in / out'],
  ['0', 'fit'],
  ['1', 'original size (100 %)'],
  ['2', 'result pixels 1:1'],
  ['Shift + arrows', 'pan'],
  ['D', 'difference view on / off'],
];

const SLIDER_STEP = 0.05;
const SLIDER_FINE_STEP = 0.01;
const PAN_FRACTION = 0.1;

export class CompareStore {
  mode = $state<CompareMode>('slider');
  /** Where the slider is across the frame, 0 (all after) .. 1 (all before). */
  split = $state(0.5);
  frame = $state<Size>({ width: 0, height: 0 });
  /** The displayed image's size: the result's, or the input's times the model scale before there is a result. */
  image = $state<Size>({ width: 0, height: 0 });
  /** Displayed px per original px (the upscale factor), so zoom reads relative to the original photo. */
  imageScale = $state(1);
  view = $state<Viewport>({ scale: 1, offset: { x: 0, y: 0 } });
  /** Whether the view follows the frame's size (fit) or keeps the user's zoom. */
  fitted = $state(true);
  /** The difference heatmap's amplification. */
  gain = $state(4);

  /** Zoom relative to the original photo (100 % = the original's own size on screen), as people compare at; relative
   * to the x4 result, Fit read "11 %". */
  readonly zoomPercent = $derived(Math.round(this.view.scale * this.imageScale * 100));
  readonly visible = $derived(visibleRegion(this.view, this.image, this.frame));

  setFrame(frame: Size): void {
    if (frame.width === this.frame.width && frame.height === this.frame.height) return;
    this.frame = frame;
    this.view = this.fitted ? fitViewport(this.image, frame) : zoomTo(this.view, this.view.scale, this.image, frame, undefined, 1 / this.imageScale);
  }

  /** A new image (another item, or its result arrived), `scale` displayed px per original px: back to fit unless it
   * has the same size. */
  setImage(image: Size, scale = 1): void {
    this.imageScale = scale;
    if (image.width === this.image.width && image.height === this.image.height) return;
    this.image = image;
    this.fit();
  }

  fit(): void {
    this.fitted = true;
    this.view = fitViewport(this.image, this.frame);
  }

  zoom(scale: number, anchor?: Point): void {
    this.fitted = false;
    this.view = zoomTo(this.view, scale, this.image, this.frame, anchor, 1 / this.imageScale);
  }

  /** The original's own size: 100 %. */
  actualSize(): void {
    this.zoom(1 / this.imageScale);
  }

  /** One result pixel per screen pixel, to inspect what the model drew. */
  pixelSize(): void {
    this.zoom(1);
  }

  zoomIn(anchor?: Point): void {
    this.zoom(steppedScale(this.view.scale, 1), anchor);
  }

  zoomOut(anchor?: Point): void {
    this.zoom(steppedScale(this.view.scale, -1), anchor);
  }

  /** Smooth zoom for the mouse wheel: `deltaY` as the wheel reports it. */
  wheel(deltaY: number, anchor: Point): void {
    this.zoom(Math.min(MAX_ZOOM, this.view.scale * Math.exp(-deltaY * 0.0015)), anchor);
  }

  pan(delta: Point): void {
    this.view = panBy(this.view, delta, this.image, this.frame);
  }

  setSplit(split: number): void {
    this.split = Math.min(1, Math.max(0, split));
  }

  toggleDifference(): void {
    this.mode = this.mode === 'difference' ? 'slider' : 'difference';
  }

  /** Applies a keyboard shortcut; returns whether the key was one (so the caller can preventDefault). */
  handleKey(key: string, shift: boolean): boolean {
    const panStep = { x: this.frame.width * PAN_FRACTION, y: this.frame.height * PAN_FRACTION };
    switch (key) {
      case 'ArrowLeft':
        if (shift) this.pan({ x: panStep.x, y: 0 });
        else this.setSplit(this.split - SLIDER_STEP);
        return true;
      case 'ArrowRight':
        if (shift) this.pan({ x: -panStep.x, y: 0 });
        else this.setSplit(this.split + SLIDER_STEP);
        return true;
      case 'ArrowUp':
        if (shift) this.pan({ x: 0, y: panStep.y });
        else this.setSplit(this.split + SLIDER_FINE_STEP);
        return true;
      case 'ArrowDown':
        if (shift) this.pan({ x: 0, y: -panStep.y });
        else this.setSplit(this.split - SLIDER_FINE_STEP);
        return true;
      case '+':
      case '=':
        this.zoomIn();
        return true;
      case '-':
      case '_':
        this.zoomOut();
        return true;
      case '0':
        this.fit();
        return true;
      case '1':
        this.actualSize();
        return true;
      case '2':
        this.pixelSize();
        return true;
      case 'd':
      case 'D':
        this.toggleDifference();
        return true;
      default:
        return false;
    }
  }
}
