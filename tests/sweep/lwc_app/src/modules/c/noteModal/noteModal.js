import LightningModal from "lightning/modal";

export default class NoteModal extends LightningModal {}
