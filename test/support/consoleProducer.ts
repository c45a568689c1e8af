export * from '../../dev/chaos/consoleProducer';
