// Test helpers of @virtevent/qmp: a scripted fake QMP server, transcripts, real QEMU.
export {};
